// The comment form's "Save my name, email, and website in this browser" box.
// Nothing is stored unless the reader ticks it; unticking it forgets what was
// stored. The form works the same without this script.
(function () {
  "use strict";
  var KEY = "newsroom.commenter";
  var FIELDS = ["name", "email", "website"];

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage disabled by the reader's settings
    }
  }

  function remembered(store) {
    try {
      return JSON.parse(store.getItem(KEY)) || null;
    } catch (error) {
      return null;
    }
  }

  document.querySelectorAll("form.comment-form").forEach(function (form) {
    var store = storage();
    var choice = form.querySelector(".js-comment-save");
    var box = form.querySelector(".js-comment-save-details");
    if (!store || !choice || !box) {
      return;
    }
    choice.hidden = false;

    var saved = remembered(store);
    if (saved) {
      box.checked = true;
      FIELDS.forEach(function (name) {
        var input = form.elements[name];
        if (input && !input.value && typeof saved[name] === "string") {
          input.value = saved[name];
        }
      });
    }

    form.addEventListener("submit", function () {
      if (!box.checked) {
        store.removeItem(KEY);
        return;
      }
      var details = {};
      FIELDS.forEach(function (name) {
        details[name] = form.elements[name] ? form.elements[name].value : "";
      });
      store.setItem(KEY, JSON.stringify(details));
    });
  });
})();
