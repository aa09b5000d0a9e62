// Reading gzip files (RFC 1952): the header is parsed here, the deflate stream is inflated by
// ZIPFoundation (zlib underneath), and the trailer's CRC-32 and length are checked.
// Left out: concatenated gzip members, writing gzip.

import Foundation
import ZIPFoundation

/// Gzip decompression of whole files or byte buffers.
public enum Gzip {
    /// Whether `data` starts with the gzip magic bytes 1f 8b.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    /// The decompressed bytes of one gzip member. `source` names the data in error messages.
    public static func decompress(_ data: Data, source: String) throws(FineTuneError) -> Data {
        let bytes = [UInt8](data)
        func fail(_ what: String) -> FineTuneError {
            FineTuneError(.invalidGzip, "\(source): \(what)")
        }
        guard bytes.count >= 18, bytes[0] == 0x1f, bytes[1] == 0x8b else {
            throw fail("not a gzip stream (it must start with bytes 1f 8b and hold at least 18 bytes)")
        }
        guard bytes[2] == 8 else { throw fail("compression method \(bytes[2]) is not deflate (8)") }
        let flags = bytes[3]
        guard flags & 0xE0 == 0 else { throw fail("reserved header flags are set (\(String(flags, radix: 2)))") }
        var pos = 10
        if flags & 0x04 != 0 {                                  // FEXTRA: 2-byte length, then data
            guard pos + 2 <= bytes.count else { throw fail("header ends inside its extra field") }
            pos += 2 + Int(bytes[pos]) | Int(bytes[pos + 1]) << 8
        }
        for bit: UInt8 in [0x08, 0x10] where flags & bit != 0 { // FNAME, FCOMMENT: zero-terminated
            while pos < bytes.count && bytes[pos] != 0 { pos += 1 }
            pos += 1
        }
        if flags & 0x02 != 0 { pos += 2 }                       // FHCRC
        guard pos + 8 <= bytes.count else { throw fail("header runs past the end of the data") }
        let trailer = bytes.count - 8
        let expectedCRC = UInt32(bytes[trailer]) | UInt32(bytes[trailer + 1]) << 8 | UInt32(bytes[trailer + 2]) << 16 | UInt32(bytes[trailer + 3]) << 24
        let expectedSize = UInt32(bytes[trailer + 4]) | UInt32(bytes[trailer + 5]) << 8 | UInt32(bytes[trailer + 6]) << 16 | UInt32(bytes[trailer + 7]) << 24
        let body = data.subdata(in: (data.startIndex + pos)..<(data.startIndex + trailer))
        var out = Data()
        let crc: UInt32
        do {
            // ZIPFoundation asks for whole buffers and tells zlib the buffer is full, so the last
            // chunk is padded with zeros (never read past a valid stream's end); asking past the
            // end means the stream is truncated.
            crc = try Data.decompress(size: Int64(body.count), bufferSize: 1 << 16, skipCRC32: false, provider: { position, size in
                let start = Int(position)
                guard start < body.count else { throw GzipTruncated() }
                var chunk = body.subdata(in: start..<Swift.min(start + size, body.count))
                if chunk.count < size { chunk.append(Data(count: size - chunk.count)) }
                return chunk
            }, consumer: { chunk in out.append(chunk) })
        } catch {
            throw fail("the deflate stream is corrupt or truncated (\(error))")
        }
        guard UInt32(truncatingIfNeeded: out.count) == expectedSize else {
            throw fail("inflated to \(out.count) bytes but the trailer says \(expectedSize) (mod 2³²); concatenated gzip members are not supported")
        }
        guard crc == expectedCRC else {
            throw fail("CRC-32 of the inflated data is \(String(crc, radix: 16)), the trailer says \(String(expectedCRC, radix: 16))")
        }
        return out
    }
}

private struct GzipTruncated: Error, CustomStringConvertible {
    var description: String { "the stream ends before its last block" }
}
