// Starts Swagger UI on /openapi.json at /docs.
// A file, not an inline script: the pages' Content-Security-Policy runs scripts from this site only.
(function () {
  "use strict";
  var holder = document.getElementById("api-docs");
  if (!holder) return;
  var spec = holder.getAttribute("data-spec");
  if (window.SwaggerUIBundle) {
    window.SwaggerUIBundle({url: spec, domNode: holder, deepLinking: false, layout: "BaseLayout",
                            docExpansion: "list", defaultModelsExpandDepth: 0});
  }
})();
