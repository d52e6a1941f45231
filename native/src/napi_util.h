// N-API helpers shared by the addon's glue files (addon.cc, addon_extra.cc): argument checks that throw JsError,
// and `guarded`, which turns C++ exceptions into JavaScript errors so a bad argument never aborts the process.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <exception>
#include <string>

namespace ivae_native {

struct JsError {
  std::string msg;
};

inline void check(napi_env env, napi_status st) {
  if (st != napi_ok) {
    const napi_extended_error_info* info = nullptr;
    napi_get_last_error_info(env, &info);
    throw JsError{std::string("napi call failed: ") + (info && info->error_message ? info->error_message : "?")};
  }
}

template <typename T>
inline T* typed(napi_env env, napi_value v, size_t expect, const char* what, napi_typedarray_type type,
                const char* type_name) {
  bool is = false;
  check(env, napi_is_typedarray(env, v, &is));
  if (!is) throw JsError{std::string(what) + ": expected a " + type_name};
  napi_typedarray_type t;
  size_t len;
  void* data;
  napi_value ab;
  size_t off;
  check(env, napi_get_typedarray_info(env, v, &t, &len, &data, &ab, &off));
  if (t != type) throw JsError{std::string(what) + ": expected a " + type_name};
  if (expect != SIZE_MAX && len != expect)
    throw JsError{std::string(what) + ": expected " + std::to_string(expect) + " elements, got " + std::to_string(len)};
  return static_cast<T*>(data);
}

inline float* f32(napi_env env, napi_value v, size_t expect, const char* what) {
  return typed<float>(env, v, expect, what, napi_float32_array, "Float32Array");
}

inline double* f64(napi_env env, napi_value v, size_t expect, const char* what) {
  return typed<double>(env, v, expect, what, napi_float64_array, "Float64Array");
}

inline bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  check(env, napi_typeof(env, v, &t));
  return t == napi_null || t == napi_undefined;
}

inline int to_int(napi_env env, napi_value v) {
  int32_t x;
  check(env, napi_get_value_int32(env, v, &x));
  return x;
}

inline double to_double(napi_env env, napi_value v) {
  double x;
  check(env, napi_get_value_double(env, v, &x));
  return x;
}

inline napi_value array_at(napi_env env, napi_value arr, uint32_t i) {
  napi_value v;
  check(env, napi_get_element(env, arr, i, &v));
  return v;
}

inline uint32_t array_len(napi_env env, napi_value arr, const char* what) {
  bool is = false;
  check(env, napi_is_array(env, arr, &is));
  if (!is) throw JsError{std::string(what) + ": expected an array"};
  uint32_t n;
  check(env, napi_get_array_length(env, arr, &n));
  return n;
}

// Converts C++ exceptions into JavaScript errors so a bad argument never aborts the process.
template <napi_value (*F)(napi_env, napi_callback_info)>
napi_value guarded(napi_env env, napi_callback_info info) {
  try {
    return F(env, info);
  } catch (const JsError& e) {
    napi_throw_error(env, nullptr, ("ivae native: " + e.msg).c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("ivae native: ") + e.what()).c_str());
  }
  return nullptr;
}

}  // namespace ivae_native
