#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's natural logarithm (the reservoir key needs two per tree per point, so the
/// series in `Double.naturalLog` would be too slow here).
@inline(__always)
func log(_ x: Double) -> Double {
    #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
    return Double(libcLog(x))
    #else
    return Double.naturalLog(x)
    #endif
}

#if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
@inline(__always)
private func libcLog(_ x: Double) -> Double {
    #if canImport(Glibc)
    return Glibc.log(x)
    #elseif canImport(Musl)
    return Musl.log(x)
    #else
    return Darwin.log(x)
    #endif
}
#endif
