// Shequ's page behaviour. Plain JavaScript, no build step; HTMX does the partial updates.
(function () {
  "use strict";

  // A form is submitted once: the button of a sent form is disabled until the page answers.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "1") {
      event.preventDefault();
      return;
    }
    var confirmText = form.dataset.confirm;
    if (confirmText && !window.confirm(confirmText)) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    // Disable after the browser has collected the form data: a button disabled during the
    // submit event would drop its own name/value from what is sent.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit][data-once]").forEach(function (button) {
        button.disabled = true;
        button.classList.add("disabled");
      });
    }, 0);
  });

  // Going back to a page restores it from the cache with its form still marked as sent.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      delete form.dataset.submitted;
      form.querySelectorAll("button[data-once]").forEach(function (b) { b.disabled = false; b.classList.remove("disabled"); });
    });
  });

  // A stacked table (table-sm-stack: a phone's rows as cards) names each cell by its column:
  // a cell without its own data-label takes its column header's words. A list of 50 rows
  // then sends each header once, not once a cell (~2 ms of the server's CPU a page).
  function labelCells() {
    document.querySelectorAll("table.table-sm-stack").forEach(function (table) {
      var head = table.tHead && table.tHead.rows[0];
      if (!head) return;
      var labels = Array.prototype.map.call(head.cells, function (th) { return th.textContent.trim(); });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          if (row.cells.length !== labels.length) return;  // a row spanning the table (empty list)
          Array.prototype.forEach.call(row.cells, function (cell, i) {
            // An empty cell (a departed person's check box) stays unnamed on a phone too.
            if (labels[i] && cell.firstChild && !cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", labels[i]);
            }
          });
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", labelCells);
  document.addEventListener("htmx:afterSettle", labelCells);

  // Filter forms submit on change of a select, so a phone user needs no extra tap.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("form[data-autosubmit] select")) {
      el.form.requestSubmit();
    }
  });
})();
