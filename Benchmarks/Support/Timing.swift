import Foundation

/// `duration` in seconds.
public func seconds(_ duration: Duration) -> Double {
    let (whole, atto) = duration.components
    return Double(whole) + Double(atto) / 1e18
}

/// CPU time of the calling thread. The machine is shared, so wall time measures the neighbours as
/// much as the code; single-threaded measurements are timed by the CPU time of the thread that runs
/// them (Python's `time.thread_time()` on the reference side).
public func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}

/// CPU seconds (user + system) used so far by this whole process (every thread: librdkafka's, the
/// embedded brokers') — for multi-threaded runs, where one thread's time misses most of the work.
public func processCPUSeconds() -> Double { resourceUsageSeconds(RUSAGE_SELF) }

/// CPU seconds used so far by this process's terminated and waited-for children (kcat, python3).
public func childrenCPUSeconds() -> Double { resourceUsageSeconds(RUSAGE_CHILDREN) }

private func resourceUsageSeconds(_ who: __rusage_who) -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(who.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
