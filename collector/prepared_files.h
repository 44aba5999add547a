// Output files created ahead of the exit, on a thread of their own, while the program runs. Making an
// inode costs 150-400 µs on some systems (the ext4 of the VMs this was measured on), and a process
// that ends writes four (trace, summary, stacks, flame graph): most of what a short run under the
// collector costs beyond python's own start. The files are anonymous (O_TMPFILE): one never taken
// (the process killed, exec'd, or the file system without O_TMPFILE) leaves nothing behind, and
// none has a name anyone could swap before we publish it (OutputFile names it exclusively then).
#pragma once

namespace pyitt::collector {

// Starts making `count` files in the directory of `dir_fd` (its own duplicate of it) on a thread of
// its own (joined before a fork); the calls of take_prepared_file() get them as they are ready.
void prepare_files(int dir_fd, int count);

// A prepared, still empty file of the directory `dir_fd` names, open for writing (the caller owns the
// descriptor), or -1: none ready, another directory, or the program closed or reused its descriptor.
int take_prepared_file(int dir_fd);

// Held around fork(); the child forgets the parent's files (they are the parent's to write).
void prepared_files_prepare_fork();
void prepared_files_parent_after_fork();
void prepared_files_child_after_fork();

}  // namespace pyitt::collector
