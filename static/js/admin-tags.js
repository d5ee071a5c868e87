// Suggests existing tags for the word being typed in the comma-separated tag field.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector(".js-tag-input");
    if (!input) { return; }
    var list = document.createElement("datalist");
    list.id = "tag-suggestions";
    input.after(list);
    input.setAttribute("list", list.id);
    var url = window.location.pathname.replace(/(\/\d+\/change|\/add)\/?$/, "/tag-suggestions/");
    var timer = null;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var parts = input.value.split(",");
        var current = parts.pop().trim();
        if (current.length < 2) { return; }
        var prefix = parts.length ? parts.join(",") + ", " : "";
        fetch(url + "?q=" + encodeURIComponent(current), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : { tags: [] }; })
          .then(function (data) {
            list.replaceChildren.apply(list, data.tags.map(function (name) {
              var option = document.createElement("option");
              option.value = prefix + (name.indexOf(" ") >= 0 ? '"' + name + '"' : name);
              return option;
            }));
          });
      }, 150);
    });
  });
})();
