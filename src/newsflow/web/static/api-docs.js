// Starts the API docs viewer the page names (Swagger UI at /docs, ReDoc at /redoc) on /openapi.json.
// A file, not an inline script: the pages' Content-Security-Policy runs scripts from this site only.
(function () {
  "use strict";
  var holder = document.getElementById("api-docs");
  if (!holder) return;
  var spec = holder.getAttribute("data-spec");
  if (holder.getAttribute("data-viewer") === "swagger" && window.SwaggerUIBundle) {
    window.SwaggerUIBundle({url: spec, domNode: holder, deepLinking: false, layout: "BaseLayout",
                            docExpansion: "list", defaultModelsExpandDepth: 0});
  } else if (window.Redoc) {
    window.Redoc.init(spec, {hideDownloadButton: false}, holder);
  }
})();
