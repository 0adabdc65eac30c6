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

/// The C library's exponential (the reservoir's rejection threshold needs it).
@inline(__always)
func exponential(_ x: Double) -> Double {
    #if canImport(Glibc)
    return Glibc.exp(x)
    #elseif canImport(Musl)
    return Musl.exp(x)
    #elseif canImport(Darwin)
    return Darwin.exp(x)
    #else
    // Fallback without a C library: e^x by squaring a Taylor series of e^(x/2^k).
    var k = 0
    var y = x
    while abs(y) > 0.5 { y /= 2; k += 1 }
    var term = 1.0
    var sum = 1.0
    for n in 1..<25 { term *= y / Double(n); sum += term }
    for _ in 0..<k { sum *= sum }
    return sum
    #endif
}
