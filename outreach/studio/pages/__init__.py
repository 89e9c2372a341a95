"""The studio's pages, one module per page: each route parses the request, calls a function that
returns the page (or a JSON answer, a file, a redirect), and nothing more. Their table is in
`studio/app.py`."""
