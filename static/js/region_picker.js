// The region picker (core/region_field.py): choosing a province or prefecture refills the selects below it.
const cache = new Map();

async function children(url, parent) {
  if (!cache.has(parent)) {
    cache.set(parent, fetch(`${url}?parent=${encodeURIComponent(parent)}`).then((r) => r.json()).then((d) => d.regions));
  }
  return cache.get(parent);
}

function fill(select, regions) {
  const empty = select.options[0];
  select.replaceChildren(empty, ...regions.map((r) => new Option(r.name, r.code)));
  select.value = "";
}

function setUp(picker) {
  const url = picker.dataset.childrenUrl;
  const [province, city, county] = ["province", "city", "county"].map((l) => picker.querySelector(`[data-level=${l}]`));
  province.addEventListener("change", async () => {
    const below = province.value ? await children(url, province.value) : [];
    // Prefectures end in 00; a municipality's districts go straight to the county select.
    fill(city, below.filter((r) => r.code.endsWith("00")));
    fill(county, below.filter((r) => !r.code.endsWith("00")));
  });
  city.addEventListener("change", async () => {
    if (city.value) {
      fill(county, await children(url, city.value));
    } else {
      const below = province.value ? await children(url, province.value) : [];
      fill(county, below.filter((r) => !r.code.endsWith("00")));
    }
  });
}

document.querySelectorAll(".region-picker").forEach(setUp);
