"""What a reader at a narrow window would have to scroll sideways to see."""

# Every element whose right edge passes the window's, widest first, named so a failure says where to look.
ELEMENTS_STICKING_OUT = """() => {
  const edge = document.documentElement.clientWidth;
  const named = (element) => element.tagName.toLowerCase()
    + (element.id ? "#" + element.id : "")
    + [...element.classList].map((name) => "." + name).join("");
  return [...document.querySelectorAll("body *")]
    .map((element) => [element, element.getBoundingClientRect()])
    .filter(([element, box]) => box.width > 0 && Math.round(box.right) > edge
      && getComputedStyle(element).position !== "fixed" && !element.closest("[hidden], .visually-hidden"))
    .sort(([, one], [, other]) => other.right - one.right)
    .slice(0, 5)
    .map(([element, box]) => `${named(element)} reaches ${Math.round(box.right)}px`);
}"""


def sideways_overflow(page):
    """Nothing when the page fits its window; else how wide it is and the elements that stick out.

    Measured after the load event: an element can be in the document before its stylesheets have arrived,
    and a page measured then is measured unstyled."""
    page.wait_for_load_state("load")
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width <= inner_width:
        return []
    return [f"the page is {scroll_width}px wide in a {inner_width}px window", *page.evaluate(ELEMENTS_STICKING_OUT)]
