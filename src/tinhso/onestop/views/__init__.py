"""The one-stop web pages: public tracking, the citizen's dossiers and submission, the
officer's workspace, and online payment through a VNPay-style gateway."""
