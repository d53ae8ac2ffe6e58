// The company admin's pages: a Copy button beside each address and each secret shown once. The
// buttons start hidden, so a browser without this script shows no button that does nothing.
(function () {
  "use strict";
  var status = document.getElementById("copy-status");
  function said(text) { if (status) status.textContent = text; }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.textContent;
      var done = function () {
        said(status ? status.getAttribute("data-copied") : "");  // not the text: it may be a secret
        button.classList.add("copied");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { select(target); });
      } else {
        select(target);  // no clipboard here (plain http): the text is selected for Ctrl+C instead
      }
    });
  });
  function select(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
})();
