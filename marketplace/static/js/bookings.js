// Booking widget: choosing another duration reloads the week's free slots for that duration.
// Without JavaScript the page still works: the slots shown are for the duration in the address.
(function () {
  "use strict";
  document.querySelectorAll("select[data-refresh-url]").forEach(function (select) {
    select.addEventListener("change", function () {
      var url = new URL(select.getAttribute("data-refresh-url"), window.location.href);
      url.searchParams.set("duration", select.value);
      url.hash = "book";
      window.location.assign(url.toString());
    });
  });
})();
