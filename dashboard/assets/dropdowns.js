// Dash's dropdown opens with the focus on the selected option, so typing a code or a title did nothing.
// A printable key pressed while the focus is in an open dropdown's list goes to its search box instead
// (typing filters the list; the arrows and Enter then pick, as in the search box).
document.addEventListener(
  "keydown",
  function (event) {
    if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (!(target instanceof Element) || target.matches(".dash-dropdown-search")) return;
    if (!target.closest(".dash-options-list, .dash-dropdown-content, .dash-dropdown")) return;
    const searches = document.querySelectorAll(".dash-dropdown-search");
    const search = searches[searches.length - 1];
    if (search) search.focus();  // the key's character then lands in the search box
  },
  true
);
