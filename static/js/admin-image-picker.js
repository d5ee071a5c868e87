// Body images come from the image library: a dialog beside the body editor searches it by caption,
// credit or alt text (or uploads a new image into it) and inserts the chosen image's rendition. The same
// dialog fills a form's image field (a hidden input marked data-image-choice, as a live update's).
"use strict";

(function () {
  const SEARCH_DELAY_MS = 250;

  function element(tag, properties = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(properties)) {
      if (name === "className" || name === "textContent" || name === "type" || name === "id") {
        node[name] = value;
      } else {
        node.setAttribute(name, value);
      }
    }
    node.append(...children);
    return node;
  }

  function field(id, label, input, hint) {
    input.id = id;
    const parts = [element("label", { for: id, textContent: label }), input];
    if (hint) {
      const hintId = `${id}-hint`;
      input.setAttribute("aria-describedby", hintId);
      parts.push(element("p", { className: "image-picker__hint", id: hintId, textContent: hint }));
    }
    parts.push(element("p", { className: "image-picker__error", "data-error-for": input.name }));
    return element("div", { className: "image-picker__field" }, parts);
  }

  function csrfToken() {
    const input = document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function insertImage(editor, image) {
    const content = [{ type: "image", attrs: { src: image.src, alt: image.alt } }];
    const caption = [image.caption, image.credit && `Credit: ${image.credit}`].filter(Boolean).join(" ");
    if (caption) {
      content.push({ type: "caption", content: [{ type: "text", text: caption }] });
    }
    editor.chain().focus().insertContent({ type: "figure", content }).run();
  }

  function buildPicker(onChoice, libraryUrl, mayUpload, title = "Insert an image from the library") {
    const status = element("p", { className: "image-picker__status", role: "status" });
    const results = element("ul", { className: "image-picker__results" });
    const search = element("input", { type: "search", name: "q", autocomplete: "off" });
    const searchForm = element("form", { className: "image-picker__search", role: "search" }, [
      field("image-picker-q", "Search by caption, credit or alt text", search),
    ]);
    const closeButton = element("button", { type: "button", className: "button image-picker__close" }, ["Close"]);
    const dialog = element(
      "dialog",
      { className: "image-picker", "aria-labelledby": "image-picker-title" },
      [
        element("div", { className: "image-picker__header" }, [
          element("h2", { id: "image-picker-title", textContent: title }),
          closeButton,
        ]),
        searchForm,
        status,
        results,
      ],
    );

    function choose(image) {
      onChoice(image);
      dialog.close();
    }

    function show(images) {
      results.replaceChildren(
        ...images.map((image) => {
          const description = [image.caption, image.credit].filter(Boolean).join(" · ");
          const button = element("button", { type: "button", className: "image-picker__choice" }, [
            element("img", { src: image.thumbnail, alt: "", width: 160, height: Math.round((160 * image.height) / image.width) }),
            element("span", { className: "image-picker__alt", textContent: image.alt }),
            element("span", { className: "image-picker__meta", textContent: description }),
          ]);
          button.addEventListener("click", () => choose(image));
          return element("li", {}, [button]);
        }),
      );
      status.textContent = images.length
        ? `${images.length} image${images.length === 1 ? "" : "s"} found.`
        : "No image matches; try another word, or upload one below.";
    }

    let latestSearch = 0;
    async function runSearch() {
      const asked = ++latestSearch;
      status.textContent = "Searching…";
      try {
        const response = await fetch(`${libraryUrl}?q=${encodeURIComponent(search.value)}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        const answer = await response.json();
        if (asked === latestSearch) {
          show(answer.images);
        }
      } catch {
        status.textContent = "The library could not be searched just now; try again in a moment.";
      }
    }

    let timer = null;
    search.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(runSearch, SEARCH_DELAY_MS);
    });
    searchForm.addEventListener("submit", (event) => {
      event.preventDefault();
      runSearch();
    });
    closeButton.addEventListener("click", () => dialog.close());

    if (mayUpload) {
      dialog.append(buildUploadForm(libraryUrl, choose));
    }
    document.body.append(dialog);
    return { dialog, runSearch };
  }

  function buildUploadForm(libraryUrl, choose) {
    const file = element("input", { type: "file", name: "file", accept: "image/jpeg,image/png,image/webp,image/gif" });
    const alt = element("input", { type: "text", name: "alt_text", maxlength: "300" });
    const caption = element("input", { type: "text", name: "caption", maxlength: "500" });
    const credit = element("input", { type: "text", name: "credit", maxlength: "200" });
    const message = element("p", { className: "image-picker__status", role: "status" });
    const form = element("form", { className: "image-picker__upload", enctype: "multipart/form-data" }, [
      element("h3", { textContent: "Or upload a new image" }),
      field("image-picker-file", "Image file", file, "JPEG, PNG, WebP or GIF; location and camera data are removed."),
      field("image-picker-alt", "Alt text (required)", alt, "What the image shows, for readers who cannot see it."),
      field("image-picker-caption", "Caption", caption),
      field("image-picker-credit", "Credit", credit),
      element("button", { type: "submit", className: "button default" }, ["Upload and insert"]),
      message,
    ]);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      form.querySelectorAll(".image-picker__error").forEach((error) => {
        error.textContent = "";
      });
      message.textContent = "Uploading…";
      try {
        const response = await fetch(libraryUrl, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
          credentials: "same-origin",
        });
        // A refusal by the admin itself (an expired session, a CSRF check) answers a page, not JSON.
        const answer = await response.json().catch(() => ({ errors: { "": [`the server answered ${response.status}.`] } }));
        if (response.status === 201) {
          message.textContent = "";
          form.reset();
          choose(answer.image);
          return;
        }
        message.textContent = "The image was not uploaded:";
        for (const [name, errors] of Object.entries(answer.errors || {})) {
          const slot = form.querySelector(`[data-error-for="${name}"]`);
          if (slot) {
            slot.textContent = errors.join(" ");
          } else {
            message.textContent += ` ${errors.join(" ")}`;
          }
        }
      } catch {
        message.textContent = "The upload failed; check the connection and try again.";
      }
    });
    return form;
  }

  document.addEventListener("prose-editor:ready", (event) => {
    const { editor, textarea } = event.detail;
    const libraryUrl = textarea.dataset.imageLibrary;
    if (!libraryUrl) {
      return;
    }
    const picker = buildPicker((image) => insertImage(editor, image), libraryUrl, textarea.dataset.imageUpload === "allowed");
    const opener = element("button", { type: "button", className: "prose-menubar__button image-picker__open" }, [
      "Insert image from library",
    ]);
    opener.addEventListener("click", () => {
      picker.dialog.showModal();
      picker.runSearch();
    });
    // The editor draws its menu bar just after announcing itself: the button joins the bar once it is there.
    const wrapper = textarea.closest(".prose-editor");
    const placeOpener = () => {
      const menubar = wrapper.querySelector(".prose-menubar");
      if (!menubar) {
        return false;
      }
      menubar.append(element("div", { className: "prose-menubar__group" }, [opener]));
      return true;
    };
    if (!placeOpener()) {
      const watcher = new MutationObserver(() => placeOpener() && watcher.disconnect());
      watcher.observe(wrapper, { childList: true });
    }
  });

  // A form's image field: the chosen image's thumbnail, a button to choose one and one to remove it.
  function buildImageChoice(input) {
    const preview = element("img", { className: "image-choice__preview", alt: "" });
    const description = element("span", { className: "image-choice__alt" });
    const chooseButton = element("button", { type: "button", className: "button" }, ["Choose from library"]);
    const removeButton = element("button", { type: "button", className: "button" }, ["Remove image"]);
    const labelId = input.getAttribute("aria-labelledby") || "live-image-label";
    chooseButton.setAttribute("aria-describedby", labelId);
    removeButton.setAttribute("aria-describedby", labelId);

    function show(thumbnail, alt) {
      preview.hidden = !thumbnail;
      preview.src = thumbnail || "";
      description.textContent = thumbnail ? alt : "No image.";
      removeButton.hidden = !thumbnail;
    }

    const picker = buildPicker(
      (image) => {
        input.value = String(image.id);
        input.dispatchEvent(new Event("change", { bubbles: true }));
        show(image.thumbnail, image.alt);
      },
      input.dataset.imageLibrary,
      input.dataset.imageUpload === "allowed",
      "Choose an image from the library",
    );
    chooseButton.addEventListener("click", () => {
      picker.dialog.showModal();
      picker.runSearch();
    });
    removeButton.addEventListener("click", () => {
      input.value = "";
      input.dispatchEvent(new Event("change", { bubbles: true }));
      show("", "");
    });
    // Autosave's restore (js/admin-autosave.js) sets the value alone: the choice is named, not shown.
    input.form.addEventListener("autosave:restored", () => {
      show("", input.value ? `Image ${input.value} from the library, as chosen before.` : "");
      removeButton.hidden = !input.value;
    });
    show(input.dataset.imageThumbnail || "", input.dataset.imageAlt || "");
    input.after(element("div", { className: "image-choice" }, [preview, description, chooseButton, removeButton]));
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("input[data-image-choice][data-image-library]").forEach(buildImageChoice);
  });
})();
