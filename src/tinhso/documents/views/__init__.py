"""The documents workspace's pages (under /van-ban/): `workspace` (the tabs), `outgoing`
(drafting, a document's page and its steps, the signed file), `incoming` (an incoming
record's page and its steps)."""
