"""The datastore: tabular resources (CSV, TSV, XLSX) loaded into queryable tables, searched
with CKAN's `datastore_search`.

- `loader`: after an upload, a background task reads the whole file into a new DuckDB file
  (one per resource and load), infers each column's type over every row, and only then points
  the resource's `DatastoreTable` at it; a failed load leaves the previous table served.
- `params`: the parsers of `datastore_search`'s parameters (filters, q, fields, sort, ...),
  checked against the table's columns, so no name or value reaches SQL unchecked.
- `search`: the query, paged by `_id` (a key) rather than by offset where it can.
- `storage`: where the DuckDB files live and the read-only connections to them.
"""
