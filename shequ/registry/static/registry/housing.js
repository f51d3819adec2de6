// Housing and list pages of the registry. Plain JavaScript; no inline script (CSP).
(function () {
  "use strict";

  // A block marked data-show-when="<checkbox id>" is shown only while that box is ticked
  // (the landlord of a home that is let).
  function syncShowWhen() {
    document.querySelectorAll("[data-show-when]").forEach(function (block) {
      var box = document.getElementById(block.dataset.showWhen);
      if (box) {
        block.hidden = !box.checked;
      }
    });
  }

  // "Select all" ticks every row box of its table (bulk checks on the person list).
  function syncSelectAll(master) {
    var boxes = document.querySelectorAll("input[data-row-select]");
    var ticked = 0;
    boxes.forEach(function (b) { if (b.checked) { ticked += 1; } });
    master.checked = boxes.length > 0 && ticked === boxes.length;
    master.indeterminate = ticked > 0 && ticked < boxes.length;
    var counter = document.querySelector("[data-selected-count]");
    if (counter) {
      counter.textContent = String(ticked);
    }
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("[data-select-all]")) {
      document.querySelectorAll("input[data-row-select]").forEach(function (b) {
        b.checked = el.checked;
      });
    }
    if (el.matches("[data-select-all], input[data-row-select]")) {
      var master = document.querySelector("[data-select-all]");
      if (master) {
        syncSelectAll(master);
      }
    }
    if (el.matches("input[type=checkbox]")) {
      syncShowWhen();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    syncShowWhen();
    var master = document.querySelector("[data-select-all]");
    if (master) {
      syncSelectAll(master);
    }
  });
})();
