// The live desk's update form: the cursor starts in the text, and Ctrl+Enter (Cmd+Enter on a Mac) posts
// the update from anywhere in the form, as the button below it does. The server side is articles/live_desk.py.
"use strict";

(function () {
  const FORM_ID = "live-update-form";

  document.addEventListener("prose-editor:ready", (event) => {
    const { editor, textarea } = event.detail;
    if (textarea.form && textarea.form.id === FORM_ID) {
      editor.commands.focus("end");
    }
  });

  // Caught before the editor sees it: in the editor, Ctrl+Enter would otherwise break the line.
  window.addEventListener(
    "keydown",
    (event) => {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) {
        return;
      }
      const form = event.target.closest && event.target.closest(`#${FORM_ID}`);
      if (!form) {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      form.requestSubmit(form.querySelector("button[type=submit]"));
    },
    true,
  );
})();
