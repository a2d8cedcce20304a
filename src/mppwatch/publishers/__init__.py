"""Publishers' own files: read whole workbooks (every sheet, every edition), diff editions, fetch new ones.

- `load.load_workbook(store, path)`: read an OHSS monthly-tables workbook and store each sheet as dataset
  `ohss_<sheet-slug>` with an `edition` dimension, one load per (dataset, edition).
- `diff.diff_editions(store, "OHSS", "2024-07", "2024-08")`: every revised, added and removed cell.
- `citizenship.mpp_by_nationality(store)`: MPP returns by citizenship and month, and a check against INM.
- `fetch.fetch(store, "ohss")`: download the latest workbook safely, then load it.
"""
