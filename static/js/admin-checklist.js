// The checklist's "Fix" links lead to the field to fix. Some fields are drawn by a script over a hidden
// input (the body editor, the image picker), which a plain anchor cannot scroll to or focus: the link
// brings the field's row into view and puts the cursor in what the editor actually types into.
(function () {
  "use strict";
  var EDITABLE = "[contenteditable=true], .select2-selection, input:not([type=hidden]), select, textarea";

  function visible(element) {
    return element.offsetParent !== null || element.getClientRects().length > 0;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest(".desk-checklist a[href^='#id_']");
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) { return; }
    var row = field.closest(".form-row") || field.parentElement;
    var target = Array.prototype.find.call(row.querySelectorAll(EDITABLE), visible) || field;
    event.preventDefault();
    row.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
    history.replaceState(null, "", link.getAttribute("href"));
  });
})();
