// The body's word count and reading time beside the editor, recounted as the editor types. The page
// opens with the server's figure; the rule is Article.length_summary's.
"use strict";

document.addEventListener("prose-editor:ready", (event) => {
  const { editor, textarea } = event.detail;
  if (textarea.name !== "body") {
    return;
  }
  const output = document.querySelector(".body-length");
  if (!output) {
    return;
  }
  const wordsPerMinute = Number(output.dataset.wordsPerMinute) || 230;

  function summary() {
    const words = editor.getText({ blockSeparator: " " }).split(/\s+/).filter(Boolean).length;
    if (words === 0) {
      return "0 words";
    }
    const minutes = Math.max(1, Math.ceil(words / wordsPerMinute));
    return `${words} word${words === 1 ? "" : "s"} · ${minutes} min read`;
  }

  editor.on("update", () => {
    output.textContent = summary();
  });
});
