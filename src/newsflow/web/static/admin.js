// Admin pages: a form marked data-confirm asks first (deleting an endpoint cannot be undone).
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();

// The product form's live preview: on every change, post the filter fields (with the form's CSRF
// token) to /admin/products/preview and show the HTML fragment it answers. No library.
(function () {
  "use strict";
  var form = document.getElementById("product-form");
  var target = document.getElementById("preview");
  if (!form || !target) return;
  var url = form.getAttribute("data-preview");
  var timer = null;
  var latest = 0;
  function refresh() {
    var mine = ++latest;
    fetch(url, {method: "POST", body: new FormData(form), credentials: "same-origin",
                headers: {"Accept": "text/html"}})
      .then(function (r) { return r.text(); })
      .then(function (html) { if (mine === latest) target.innerHTML = html; })
      .catch(function () {
        // the page gives the message in the reader's UI language
        if (mine === latest) target.textContent = target.getAttribute("data-unavailable") || "Preview unavailable.";
      });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 300); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
