-- wrk script of the gw_comment_create scenario: POST one comment per request.
wrk.method = "POST"
wrk.body = '{"text":"A comment written by the benchmark, long enough to look like one."}'
wrk.headers["Content-Type"] = "application/json"
