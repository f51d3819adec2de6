// The person forms (register, edit, transfer, lifecycle events): fill birth date and sex from
// the checked identity number, drive the division and building pickers, add child rows, and
// show the sections that apply. Plain JavaScript loaded as a file (the CSP forbids inline scripts).
(function () {
  "use strict";

  function fire(element) {
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function setValue(element, value) {
    if (element && value && element.value !== value) {
      element.value = value;
      fire(element);
    }
  }

  // Flow-in fields only matter for a migrant: hide them once the preview says otherwise
  // (never while they hold an error or a value the worker typed).
  function toggleMigrantSections() {
    var holder = document.querySelector("#person-preview [data-population-type]");
    if (!holder) return;
    var type = holder.dataset.populationType;
    var notMigrant = type !== "" && type !== "inflow" && type !== "outflow";
    document.querySelectorAll("[data-migrant-only]").forEach(function (section) {
      var keep = section.querySelector(".is-invalid") ||
        Array.prototype.some.call(section.querySelectorAll("input"), function (i) { return i.value; });
      section.classList.toggle("d-none", notMigrant && !keep);
    });
  }

  // A single person has no marriage date: hide the field unless it holds something.
  function toggleMarriageDate() {
    var status = document.getElementById("id_marital_status");
    var group = document.getElementById("group-id_marriage_date");
    var input = document.getElementById("id_marriage_date");
    if (!status || !group || !input) return;
    var hide = (status.value === "single" || status.value === "") &&
      !input.value && !group.querySelector(".is-invalid");
    group.classList.toggle("d-none", hide);
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) return;
    if (target.id === "id-check") {
      var result = target.querySelector("[data-id-valid='1']");
      var form = target.closest("form");
      if (result && form) {
        setValue(form.querySelector("[name=birth_date]"), result.dataset.birthDate);
        setValue(form.querySelector("[name=sex]"), result.dataset.sex);
      }
    }
    if (target.id === "person-preview") toggleMigrantSections();
    // New search results in the building list: load the households of the building now
    // chosen (the only match), or empty them.
    if (target.id === "id_building") fire(target);
  });

  // The building search asks the server as one types (HTMX). Enter and the "查找" button,
  // which without JavaScript send the form back with the matches, search in place instead.
  function searchBuildings(input) {
    if (!input || !window.htmx) return false;
    window.htmx.trigger(input, "building-search");
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-building-search]")) {
      event.preventDefault();
      searchBuildings(event.target);
    }
  });

  document.addEventListener("change", function (event) {
    var element = event.target;
    if (element.id === "id_marital_status") toggleMarriageDate();
    if (!element.matches("[data-division-picker] select[data-division-level]")) return;
    // Province → city → county: the deepest choice made is the code; lower levels start over
    // (HTMX loads the options of the next level).
    var picker = element.closest("[data-division-picker]");
    var level = Number(element.dataset.divisionLevel);
    var code = "";
    picker.querySelectorAll("select[data-division-level]").forEach(function (select) {
      var own = Number(select.dataset.divisionLevel);
      if (own > level) {
        var placeholder = document.createElement("option");
        placeholder.value = "";
        placeholder.textContent = select.dataset.placeholder || "";
        select.replaceChildren(placeholder);
      } else if (select.value) {
        code = select.value;
      }
    });
    var input = picker.querySelector("[data-division-code]");
    if (input) {
      input.value = code;
      fire(input);
    }
  });

  document.addEventListener("click", function (event) {
    var find = event.target.closest("[data-building-find]");
    if (!find) return;
    var input = find.form && find.form.querySelector("[data-building-search]");
    if (searchBuildings(input)) event.preventDefault();
  });

  // Children formset: a new row from the <template>, numbered after the last one.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-child]");
    if (!button) return;
    var box = button.closest("[data-children]");
    var total = box.querySelector("input[name$='-TOTAL_FORMS']");
    var max = box.querySelector("input[name$='-MAX_NUM_FORMS']");
    var index = Number(total.value);
    if (max && index >= Number(max.value)) return;
    var template = box.querySelector("template[data-child-template]");
    var rows = box.querySelector("[data-children-rows]");
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    var order = rows.lastElementChild && rows.lastElementChild.querySelector("input[name$='-order']");
    if (order) {
      order.value = String(rows.children.length);
      order.focus();
    }
  });

  toggleMarriageDate();
  toggleMigrantSections();
})();
