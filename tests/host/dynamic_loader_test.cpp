// An ending signal lets go at once a thread it stopped inside ld.so (host/dynamic_loader.h): the
// code ranges must hold ld.so's functions and nothing else.
#include <ucontext.h>

#include <gtest/gtest.h>

#include <cstdio>

#include "dynamic_loader.h"

extern "C" void* __tls_get_addr(void*);  // defined by ld.so

using pyitt::host::LoaderCode;

namespace {

ucontext_t stopped_at(const void* pc) {
    ucontext_t context{};
    context.uc_mcontext.gregs[REG_RIP] = reinterpret_cast<greg_t>(pc);
    return context;
}

TEST(LoaderCode, HoldsTheLoadersFunctions) {
    const LoaderCode loader = LoaderCode::find();
    const ucontext_t in_loader = stopped_at(reinterpret_cast<const void*>(&__tls_get_addr));
    EXPECT_TRUE(loader.interrupted(&in_loader));
}

TEST(LoaderCode, HoldsNothingElse) {
    const LoaderCode loader = LoaderCode::find();
    const ucontext_t in_libc = stopped_at(reinterpret_cast<const void*>(&std::fputs));
    const ucontext_t here = stopped_at(reinterpret_cast<const void*>(&stopped_at));
    int local = 0;
    const ucontext_t on_stack = stopped_at(&local);
    EXPECT_FALSE(loader.interrupted(&in_libc));
    EXPECT_FALSE(loader.interrupted(&here));
    EXPECT_FALSE(loader.interrupted(&on_stack));
    EXPECT_FALSE(loader.interrupted(nullptr));
}

}  // namespace
