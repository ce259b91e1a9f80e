"""The open data portal's pages (/du-lieu/): home, search with facets, a dataset, a resource
with its table preview and chart, organizations. Reads go through the same selectors as the
CKAN Action API (`selectors.dataset_search`, `dataset_for`, `resource_for`, the datastore's
`datastore_search`), so a page shows exactly what the API would give the same user.

- `common`: page numbers, query strings, the error page;
- `portal`: home, search, organizations;
- `dataset`: a dataset, its versions, a resource and its preview.
"""
