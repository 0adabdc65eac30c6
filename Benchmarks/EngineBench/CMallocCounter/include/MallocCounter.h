#ifndef EDDY_MALLOC_COUNTER_H
#define EDDY_MALLOC_COUNTER_H
#include <stdint.h>
/// Number of malloc/calloc/realloc/posix_memalign/aligned_alloc calls since the process started.
uint64_t eddy_malloc_count(void);
#endif
