"""The numbers the demo year is drawn to: the report's figures and the shares of outcomes."""

from __future__ import annotations

# The source report's year.
REPORT_RECEIVED = 986_337
REPORT_RESOLVED = 947_069
REPORT_ON_TIME_RATE = 0.9826
# Late dossiers are the likeliest to be still open at the window's end; planning a few more
# keeps the resolved ones at the report's rate (measured at scale 1.0: 98.34% without this).
LATE_RATE = (1 - REPORT_ON_TIME_RATE) * 1.045

MAX_SCALE = 4.0
CHUNK = 20_000  # dossiers per transaction (whole days, so a little more)
SWITCH_INTERVAL = 0.0005  # seconds; see _Background
WRITERS = 2  # PostgreSQL connections writing chunks side by side
# From this many dossiers on, PostgreSQL loads are made by several processes (`_parallel`);
# below it forking and staging would cost more than they save.
PARALLEL_FROM = 50_000
DEMO_MARK = {"demo": True}

# Shares of the dossiers submitted that never reach receipt (refused at intake, withdrawn
# before receipt) and of those received that end without a result.
REFUSED_AT_INTAKE = 0.005
WITHDRAWN_BEFORE_RECEIPT = 0.001
WITHDRAWN = 0.015
STOPPED = 0.01
SUPPLEMENT = 0.05  # processing paused once for a supplement
ONLINE_FROM, ONLINE_TO = 0.40, 0.60
POSTAL = 0.02

# Digitization and satisfaction. The source report gives no figures for either, so these are
# made up (plausible, not from a source; docs/onestop.md says so): the share of received
# dossiers whose components an officer marks digitized rises through the year like the online
# share; a tenth of the returned dossiers are rated, mostly well.
DIGITIZED_FROM, DIGITIZED_TO = 0.50, 0.80
# Component reuse, made up too: the share of dossiers, rising through the year as more
# components are digitized, handed in by an applicant who comes back within the same days
# (the same chunk of days: the file reused must be written in the same transaction) with a
# component digitized for an earlier dossier, and reuses it instead of handing it in again
# (that component is then not digitized again by the officer).
REUSED_FROM, REUSED_TO = 0.04, 0.12
# Electronic results, made up too: the share of resolved dossiers whose result is attached as
# a file, rising through the year; higher where the handling agency signs its results
# (`_results`: a signed template), lower where it keeps results unsigned as uploaded.
E_RESULT_SIGNED_FROM, E_RESULT_SIGNED_TO = 0.70, 0.95
E_RESULT_PLAIN_FROM, E_RESULT_PLAIN_TO = 0.20, 0.40
RATED = 0.10
# How raters feel (shares of ratings): each criterion is then 2 with the first probability,
# else 1 with the second, else 0. "total_time" follows the dossier: early 2, on time 1, late 0.
MOODS = ((0.80, (0.95, 1.0)), (0.15, (0.50, 1.0)), (0.05, (0.10, 0.60)))
LATE_MOOD_SHIFT = 0.5  # a late dossier's rater is this much likelier to be unhappy
