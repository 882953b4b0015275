// Tells the server that a signed-in resident opened this listing (it feeds 为你推荐), after the page has
// loaded: pages never write on GET. A failed beacon costs a recommendation, nothing else.
(function () {
  "use strict";
  var script = document.currentScript;
  fetch(script.getAttribute("data-viewed-url"), {
    method: "POST",
    credentials: "same-origin",
    headers: {"X-CSRFToken": script.getAttribute("data-csrf")}
  }).catch(function () {});
})();
