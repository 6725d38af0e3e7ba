// Tengine's defaults for the check_http_* directives (ngx_http_upstream_check_module).
export const CHECK_DEFAULT_HTTP_SEND = 'GET / HTTP/1.0\r\n\r\n';
/** http_2xx | http_3xx */
export const CHECK_DEFAULT_EXPECT_ALIVE: readonly number[] = [2, 3];
