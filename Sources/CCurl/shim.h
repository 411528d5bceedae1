// libcurl for Swift, loaded at run time: passantd opens libcurl.so.4 (and the two dozen libraries
// Debian's libcurl needs: Kerberos, LDAP, GnuTLS, ...) only when a SensorThings uplink is configured,
// so a gateway that sends by MQTT alone never maps them. The types and constants come from
// <curl/curl.h> (libcurl4-openssl-dev); nothing links against libcurl.
//
// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call, so each argument type
// gets a typed wrapper that calls through the variadic pointer in C. Setting an option fails only for
// an option this libcurl does not know (Debian 12's 7.88 knows every one passant sets), so the result
// is dropped.
#include <curl/curl.h>
#include <dlfcn.h>
#include <stddef.h>

typedef size_t (*passant_curl_data_callback)(char *data, size_t size, size_t count, void *context);

/// The libcurl functions passant calls, found in the library by name.
struct passant_curl {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    void (*easy_reset)(CURL *handle);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
    void (*slist_free_all)(struct curl_slist *list);
};

/// Opens libcurl and fills `curl`; NULL on success, else what is missing (dlerror's words).
static inline const char *passant_curl_load(struct passant_curl *curl) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) return dlerror();
#define PASSANT_CURL_SYMBOL(field, name)                  \
    *(void **)(&curl->field) = dlsym(library, name);      \
    if (curl->field == NULL) return dlerror();
    PASSANT_CURL_SYMBOL(global_init, "curl_global_init")
    PASSANT_CURL_SYMBOL(easy_init, "curl_easy_init")
    PASSANT_CURL_SYMBOL(easy_cleanup, "curl_easy_cleanup")
    PASSANT_CURL_SYMBOL(easy_reset, "curl_easy_reset")
    PASSANT_CURL_SYMBOL(easy_setopt, "curl_easy_setopt")
    PASSANT_CURL_SYMBOL(easy_getinfo, "curl_easy_getinfo")
    PASSANT_CURL_SYMBOL(easy_perform, "curl_easy_perform")
    PASSANT_CURL_SYMBOL(easy_strerror, "curl_easy_strerror")
    PASSANT_CURL_SYMBOL(slist_append, "curl_slist_append")
    PASSANT_CURL_SYMBOL(slist_free_all, "curl_slist_free_all")
#undef PASSANT_CURL_SYMBOL
    return NULL;
}

static inline void passant_curl_set_long(
    const struct passant_curl *curl, CURL *handle, CURLoption option, long value) {
    (void)curl->easy_setopt(handle, option, value);
}

static inline void passant_curl_set_string(
    const struct passant_curl *curl, CURL *handle, CURLoption option, const char *value) {
    (void)curl->easy_setopt(handle, option, value);
}

static inline void passant_curl_set_pointer(
    const struct passant_curl *curl, CURL *handle, CURLoption option, void *value) {
    (void)curl->easy_setopt(handle, option, value);
}

static inline void passant_curl_set_callback(
    const struct passant_curl *curl, CURL *handle, CURLoption option, passant_curl_data_callback callback) {
    (void)curl->easy_setopt(handle, option, callback);
}

static inline CURLcode passant_curl_get_long(
    const struct passant_curl *curl, CURL *handle, CURLINFO info, long *value) {
    return curl->easy_getinfo(handle, info, value);
}

// The other calls, through the loaded pointers (all non-NULL once passant_curl_load succeeded).
static inline CURLcode passant_curl_global_init(const struct passant_curl *curl) {
    return curl->global_init(CURL_GLOBAL_DEFAULT);
}
static inline CURL *passant_curl_easy_init(const struct passant_curl *curl) { return curl->easy_init(); }
static inline void passant_curl_easy_cleanup(const struct passant_curl *curl, CURL *handle) {
    curl->easy_cleanup(handle);
}
static inline void passant_curl_easy_reset(const struct passant_curl *curl, CURL *handle) {
    curl->easy_reset(handle);
}
static inline CURLcode passant_curl_easy_perform(const struct passant_curl *curl, CURL *handle) {
    return curl->easy_perform(handle);
}
static inline const char *passant_curl_easy_strerror(const struct passant_curl *curl, CURLcode code) {
    return curl->easy_strerror(code);
}
static inline struct curl_slist *passant_curl_slist_append(
    const struct passant_curl *curl, struct curl_slist *list, const char *string) {
    return curl->slist_append(list, string);
}
static inline void passant_curl_slist_free_all(const struct passant_curl *curl, struct curl_slist *list) {
    curl->slist_free_all(list);
}
