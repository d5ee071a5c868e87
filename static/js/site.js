// Progressive enhancement only: every page works without this file.
// A link to "#comments" (or to one comment inside it) opens the collapsed
// comments area so the reader lands on what they asked for.
(function () {
  function openTarget() {
    var id;
    try {
      id = decodeURIComponent(location.hash.slice(1));
    } catch (malformed) {
      return;
    }
    var target = id && document.getElementById(id);
    var disclosure = target && target.closest("details");
    if (disclosure && !disclosure.open) {
      disclosure.open = true;
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openTarget);
  document.addEventListener("DOMContentLoaded", openTarget);
})();
