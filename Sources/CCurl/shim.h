// libcurl's easy interface for Swift: curl_easy_setopt and curl_easy_getinfo are variadic, which Swift
// cannot call, so each argument type gets a typed wrapper. Setting an option fails only for an option
// this libcurl does not know (Debian 12's 7.88 knows every one passant sets), so the result is dropped.
#include <curl/curl.h>

typedef size_t (*passant_curl_data_callback)(char *data, size_t size, size_t count, void *context);

static inline void passant_curl_set_long(CURL *handle, CURLoption option, long value) {
    (void)curl_easy_setopt(handle, option, value);
}

static inline void passant_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    (void)curl_easy_setopt(handle, option, value);
}

static inline void passant_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    (void)curl_easy_setopt(handle, option, value);
}

static inline void passant_curl_set_callback(
    CURL *handle, CURLoption option, passant_curl_data_callback callback) {
    (void)curl_easy_setopt(handle, option, callback);
}

static inline CURLcode passant_curl_get_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
