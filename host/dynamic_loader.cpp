#include "dynamic_loader.h"

#include <elf.h>
#include <sys/auxv.h>
#include <ucontext.h>

#include <cstring>

namespace pyitt::host {

LoaderCode LoaderCode::find() {
    LoaderCode code;
    const std::uintptr_t base = ::getauxval(AT_BASE);
    if (base == 0) return code;
    const auto* header = reinterpret_cast<const Elf64_Ehdr*>(base);
    if (std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 || header->e_ident[EI_CLASS] != ELFCLASS64) return code;
    const auto* segments = reinterpret_cast<const Elf64_Phdr*>(base + header->e_phoff);
    for (int i = 0; i < header->e_phnum && code.ranges_ < kMaxRanges; ++i) {
        const Elf64_Phdr& segment = segments[i];
        if (segment.p_type != PT_LOAD || (segment.p_flags & PF_X) == 0) continue;
        code.begin_[code.ranges_] = base + segment.p_vaddr;
        code.end_[code.ranges_] = base + segment.p_vaddr + segment.p_memsz;
        ++code.ranges_;
    }
    return code;
}

bool LoaderCode::interrupted(const void* ucontext) const {
    if (ucontext == nullptr) return false;
#if defined(__x86_64__)
    const auto pc = static_cast<std::uintptr_t>(static_cast<const ucontext_t*>(ucontext)->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
    const auto pc = static_cast<std::uintptr_t>(static_cast<const ucontext_t*>(ucontext)->uc_mcontext.pc);
#else
    return false;
#endif
    for (int i = 0; i < ranges_; ++i)
        if (pc >= begin_[i] && pc < end_[i]) return true;
    return false;
}

}  // namespace pyitt::host
