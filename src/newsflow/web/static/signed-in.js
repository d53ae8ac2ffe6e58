// On pages every reader shares (the public site is kept in memory and served alike to all), the header
// says "Sign in". A browser that signed in carries the nf_in flag; only then is the reader's own header
// (name, faces, sign out) fetched from /login/whoami and put in place of the link.
(function () {
  "use strict";
  var link = document.querySelector("header.site a.sign-in");
  if (!link || !/(?:^|;\s*)nf_in=1(?:;|$)/.test(document.cookie)) return;
  fetch("/login/whoami", {credentials: "same-origin", headers: {"Accept": "text/html"}})
    .then(function (response) { return response.status === 200 ? response.text() : null; })
    .then(function (html) {
      if (!html) return;
      var holder = document.createElement("div");
      holder.innerHTML = html;  // our own template, escaped by it; no script in it
      var part = holder.firstElementChild;
      if (part) link.replaceWith(part);
    })
    .catch(function () { /* offline or the server away: the link stays */ });
})();
