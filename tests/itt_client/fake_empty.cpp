// A shared library that loads fine but is no ITT collector: no __itt_api_init, no __itt_api_version,
// no __itt_<api> function.
extern "C" {
__attribute__((visibility("default"))) int fake_empty_marker = 1;
}
