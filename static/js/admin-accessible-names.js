// Names and states for the controls third-party widgets of the article form leave without them, so that
// assistive technology can tell what each one is: the body editor (tiptap), its menu buttons that are
// switched off, the autocomplete boxes (select2), and the inputs of a tabular inline, whose only label
// is the column heading.
"use strict";

(function () {
  function labelOf(id) {
    const label = id && document.querySelector(`label[for="${CSS.escape(id)}"]`);
    if (label && !label.id) {
      label.id = `${id}-label`;
    }
    return label;
  }

  function nameSelect2Boxes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach((select) => {
      const label = labelOf(select.id);
      const container = select.nextElementSibling;
      if (!label || !container || !container.classList.contains("select2")) {
        return;
      }
      // The box, and the text inside it that shows the choice, are each named by the field's label.
      container.querySelectorAll("[role=combobox], [role=textbox]").forEach((box) => {
        const named = box.getAttribute("aria-labelledby");
        if (named !== label.id && !named?.startsWith(`${label.id} `)) {
          box.setAttribute("aria-labelledby", named && named !== box.id ? `${label.id} ${named}` : label.id);
        }
      });
      container.querySelectorAll(".select2-search__field").forEach((field) => {
        field.setAttribute("aria-label", label.textContent.replace(/:\s*$/, "").trim());
      });
    });
  }

  function nameInlineInputs(root) {
    root.querySelectorAll(".tabular table").forEach((table) => {
      const headings = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
      table.querySelectorAll("tbody tr.form-row").forEach((row) => {
        Array.from(row.children).forEach((cell, index) => {
          cell.querySelectorAll("input:not([type=hidden]), select").forEach((input) => {
            if (!input.labels?.length && !input.hasAttribute("aria-label") && headings[index]) {
              input.setAttribute("aria-label", headings[index]);
            }
          });
        });
      });
    });
  }

  // Django's date-and-time field writes "Date:" and "Time:" before its two inputs as plain text.
  function nameDateTimeInputs(root) {
    root.querySelectorAll("p.datetime").forEach((paragraph) => {
      const row = paragraph.closest(".form-row, .fieldBox");
      const field = row?.querySelector("label")?.textContent.replace(/:\s*$/, "").trim() || "";
      paragraph.querySelectorAll("input:not([type=hidden])").forEach((input) => {
        const part = input.previousSibling?.textContent?.replace(/:\s*$/, "").trim() || "";
        if (!input.labels?.length && !input.hasAttribute("aria-label")) {
          input.setAttribute("aria-label", [field, part.toLowerCase()].filter(Boolean).join(", "));
        }
      });
    });
  }

  function nameAll() {
    nameSelect2Boxes(document);
    nameInlineInputs(document);
    nameDateTimeInputs(document);
  }

  // Django's autocomplete.js starts select2 on the window's load event, and again for each added row:
  // naming waits until every load listener has run.
  window.addEventListener("load", () => window.setTimeout(nameAll));
  document.addEventListener("formset:added", () => window.setTimeout(nameAll));

  document.addEventListener("prose-editor:ready", (event) => {
    const { editor, textarea } = event.detail;
    const label = labelOf(textarea.id);
    if (label) {
      editor.view.dom.setAttribute("aria-labelledby", label.id);
    }
    // The editor greys out a menu button it switches off by a class alone; say so in words as well.
    const wrapper = textarea.closest(".prose-editor");
    if (!wrapper) {
      return;
    }
    const markSwitchedOff = () => {
      wrapper.querySelectorAll(".prose-menubar__button").forEach((button) => {
        const switchedOff = String(button.classList.contains("disabled"));
        if (button.getAttribute("aria-disabled") !== switchedOff) {
          button.setAttribute("aria-disabled", switchedOff);
        }
      });
    };
    markSwitchedOff();
    new MutationObserver(markSwitchedOff).observe(wrapper, { subtree: true, childList: true, attributeFilter: ["class"] });
  });
})();
