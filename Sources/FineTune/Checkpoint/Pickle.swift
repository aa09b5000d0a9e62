// A restricted unpickler: a stack machine that understands only the opcodes PyTorch's state-dict
// pickles use (protocols 2–4) and builds an inert value tree. It never imports or calls anything:
// globals are names, and only the few that rebuild tensors are accepted (TorchCheckpoint decides).
// Left out: protocol 0/1 text opcodes, INST/OBJ/NEWOBJ, extensions, out-of-band buffers.

/// A value built by the restricted unpickler. Lists and dicts are references, as in Python, so
/// memoised containers filled later (APPENDS, SETITEMS) are seen everywhere they are used.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for Int, little-endian two's complement bytes (LONG1 / LONG4).
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// A global named by GLOBAL / STACK_GLOBAL, accepted by the caller's policy, never imported.
    case global(module: String, name: String)
    /// Whatever the caller's persistent-load and reduce handlers build (storages, tensors).
    case opaque(AnyObject)

    var string: String? { if case .string(let s) = self { return s }; return nil }
    var int: Int? {
        switch self {
        case .int(let v): return v
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }
    var tuple: [PickleValue]? {
        switch self {
        case .tuple(let t): return t
        case .list(let l): return l.items
        default: return nil
        }
    }

    /// A short description for error messages.
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string(let s): return "str \"\(s.prefix(40))\""
        case .bytes: return "bytes"
        case .tuple(let t): return "tuple of \(t.count)"
        case .list(let l): return "list of \(l.items.count)"
        case .dict(let d): return "dict of \(d.entries.count)"
        case .global(let m, let n): return "global \(m).\(n)"
        case .opaque(let o): return String(describing: type(of: o))
        }
    }
}

/// A mutable list (Python list).
final class PickleList { var items: [PickleValue] = [] }
/// A mutable dict in insertion order (Python dict / OrderedDict).
final class PickleDict { var entries: [(key: PickleValue, value: PickleValue)] = [] }

/// What the unpickler asks of its caller: which globals are allowed, how to call them (REDUCE),
/// and how to resolve persistent ids.
struct PicklePolicy {
    var allowGlobal: (_ module: String, _ name: String) -> Bool
    var reduce: (_ callable: PickleValue, _ args: [PickleValue]) throws(FineTuneError) -> PickleValue
    var persistentLoad: (_ pid: PickleValue) throws(FineTuneError) -> PickleValue
}

/// Runs one pickle from `bytes[start...]` to its STOP opcode.
struct Unpickler {
    let bytes: [UInt8]
    let source: String
    let policy: PicklePolicy
    private(set) var position: Int

    init(bytes: [UInt8], start: Int = 0, source: String, policy: PicklePolicy) {
        self.bytes = bytes
        self.position = start
        self.source = source
        self.policy = policy
    }

    private func fail(_ what: String, at: Int) -> FineTuneError {
        FineTuneError(.invalidCheckpoint, "\(source): \(what) (pickle byte \(at))")
    }

    private mutating func take(_ n: Int, at: Int) throws(FineTuneError) -> ArraySlice<UInt8> {
        guard n >= 0, position + n <= bytes.count else { throw fail("the pickle ends inside an opcode's argument", at: at) }
        defer { position += n }
        return bytes[position..<(position + n)]
    }

    private mutating func uint(_ n: Int, at: Int) throws(FineTuneError) -> Int {
        var v = 0
        for (i, b) in try take(n, at: at).enumerated() { v |= Int(b) << (8 * i) }
        return v
    }

    private mutating func line(at: Int) throws(FineTuneError) -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0a) else { throw fail("a GLOBAL name has no line end", at: at) }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    /// Executes opcodes until STOP and returns the value on top of the stack.
    mutating func load() throws(FineTuneError) -> PickleValue {
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]

        func pop(_ at: Int) throws(FineTuneError) -> PickleValue {
            guard let v = stack.popLast() else { throw fail("an opcode needs a value but the stack is empty", at: at) }
            return v
        }
        func popMark(_ at: Int) throws(FineTuneError) -> [PickleValue] {
            guard let m = marks.popLast(), m <= stack.count else { throw fail("an opcode needs a MARK but there is none", at: at) }
            defer { stack.removeSubrange(m...) }
            return Array(stack[m...])
        }
        func string(_ slice: ArraySlice<UInt8>, _ at: Int) throws(FineTuneError) -> String {
            guard let s = String(validating: slice, as: UTF8.self) else { throw fail("a string is not valid UTF-8", at: at) }
            return s
        }
        func global(_ module: String, _ name: String, _ at: Int) throws(FineTuneError) -> PickleValue {
            guard policy.allowGlobal(module, name) else {
                throw fail("refuses global \(module).\(name): only the names that rebuild tensors are accepted (torch._utils._rebuild_tensor_v2, torch.*Storage, collections.OrderedDict); nothing is executed", at: at)
            }
            return .global(module: module, name: name)
        }
        func setItems(_ items: [PickleValue], into target: PickleValue, _ at: Int) throws(FineTuneError) {
            guard case .dict(let d) = target, items.count % 2 == 0 else { throw fail("SETITEM(S) on \(target.kind)", at: at) }
            for i in stride(from: 0, to: items.count, by: 2) { d.entries.append((items[i], items[i + 1])) }
        }

        while true {
            let at = position
            guard position < bytes.count else { throw fail("the pickle ends without a STOP opcode", at: at) }
            let op = bytes[position]
            position += 1
            switch op {
            case 0x80: _ = try take(1, at: at)                                  // PROTO
            case 0x95: _ = try take(8, at: at)                                  // FRAME
            case 0x2e: return try pop(at)                                       // STOP
            case 0x28: marks.append(stack.count)                                // MARK
            case 0x4e: stack.append(.none)                                      // NONE
            case 0x88: stack.append(.bool(true))                                // NEWTRUE
            case 0x89: stack.append(.bool(false))                               // NEWFALSE
            case 0x4b: stack.append(.int(try uint(1, at: at)))                  // BININT1
            case 0x4d: stack.append(.int(try uint(2, at: at)))                  // BININT2
            case 0x4a: stack.append(.int(Int(Int32(truncatingIfNeeded: try uint(4, at: at)))))   // BININT
            case 0x8a, 0x8b:                                                    // LONG1, LONG4
                let n = try uint(op == 0x8a ? 1 : 4, at: at)
                let b = Array(try take(n, at: at))
                if b.isEmpty { stack.append(.int(0)) }
                else if b.count <= 8 {
                    var v: UInt64 = 0
                    for (i, x) in b.enumerated() { v |= UInt64(x) << (8 * UInt64(i)) }
                    if b.count < 8, b.last! & 0x80 != 0 { v |= ~0 << (8 * UInt64(b.count)) }  // sign-extend
                    stack.append(.int(Int(Int64(bitPattern: v))))
                } else { stack.append(.bigInt(b)) }
            case 0x47:                                                          // BINFLOAT (big-endian)
                var v: UInt64 = 0
                for x in try take(8, at: at) { v = v << 8 | UInt64(x) }
                stack.append(.float(Double(bitPattern: v)))
            case 0x58, 0x8c, 0x8d:                                              // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                let n = try uint(op == 0x8c ? 1 : op == 0x58 ? 4 : 8, at: at)
                stack.append(.string(try string(try take(n, at: at), at)))
            case 0x54, 0x55:                                                    // BINSTRING, SHORT_BINSTRING
                let n = try uint(op == 0x55 ? 1 : 4, at: at)
                stack.append(.string(String(decoding: try take(n, at: at), as: UTF8.self)))
            case 0x42, 0x43, 0x8e:                                              // BINBYTES, SHORT_BINBYTES, BINBYTES8
                let n = try uint(op == 0x43 ? 1 : op == 0x42 ? 4 : 8, at: at)
                stack.append(.bytes(Array(try take(n, at: at))))
            case 0x29: stack.append(.tuple([]))                                 // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popMark(at)))                    // TUPLE
            case 0x85, 0x86, 0x87:                                              // TUPLE1, TUPLE2, TUPLE3
                let n = Int(op - 0x84)
                guard stack.count >= n else { throw fail("TUPLE\(n) needs \(n) values on the stack", at: at) }
                let t = Array(stack.suffix(n))
                stack.removeLast(n)
                stack.append(.tuple(t))
            case 0x5d: stack.append(.list(PickleList()))                        // EMPTY_LIST
            case 0x6c: let l = PickleList(); l.items = try popMark(at); stack.append(.list(l))   // LIST
            case 0x61, 0x65:                                                    // APPEND, APPENDS
                let items = op == 0x61 ? [try pop(at)] : try popMark(at)
                guard case .list(let l)? = stack.last else { throw fail("APPEND on \(stack.last?.kind ?? "an empty stack")", at: at) }
                l.items.append(contentsOf: items)
            case 0x7d: stack.append(.dict(PickleDict()))                        // EMPTY_DICT
            case 0x64: let d = PickleDict(); stack.append(.dict(d)); try setItems(try popMarkBelowTop(&stack, &marks, at), into: .dict(d), at)   // DICT
            case 0x73:                                                          // SETITEM
                let v = try pop(at), k = try pop(at)
                guard let top = stack.last else { throw fail("SETITEM without a dict", at: at) }
                try setItems([k, v], into: top, at)
            case 0x75:                                                          // SETITEMS
                let items = try popMark(at)
                guard let top = stack.last else { throw fail("SETITEMS without a dict", at: at) }
                try setItems(items, into: top, at)
            case 0x71: memo[try uint(1, at: at)] = stack.last                   // BINPUT
            case 0x72: memo[try uint(4, at: at)] = stack.last                   // LONG_BINPUT
            case 0x94: memo[memo.count] = stack.last                            // MEMOIZE
            case 0x68, 0x6a:                                                    // BINGET, LONG_BINGET
                let i = try uint(op == 0x68 ? 1 : 4, at: at)
                guard let v = memo[i] else { throw fail("memo entry \(i) is read before it is written", at: at) }
                stack.append(v)
            case 0x63:                                                          // GLOBAL
                let module = try line(at: at), name = try line(at: at)
                stack.append(try global(module, name, at))
            case 0x93:                                                          // STACK_GLOBAL
                let name = try pop(at), module = try pop(at)
                guard let m = module.string, let n = name.string else { throw fail("STACK_GLOBAL needs two strings", at: at) }
                stack.append(try global(m, n, at))
            case 0x52:                                                          // REDUCE
                let args = try pop(at), callable = try pop(at)
                guard let a = args.tuple else { throw fail("REDUCE arguments are a \(args.kind), not a tuple", at: at) }
                stack.append(try policy.reduce(callable, a))
            case 0x62:                                                          // BUILD
                _ = try pop(at)                                                 // the state: OrderedDict's _metadata
                guard case .dict? = stack.last else { throw fail("BUILD on \(stack.last?.kind ?? "an empty stack"); only dicts are accepted", at: at) }
            case 0x51: stack.append(try policy.persistentLoad(try pop(at)))     // BINPERSID
            default:
                throw fail(String(format: "opcode 0x%02x is not one a tensor checkpoint uses; this reader accepts only state-dict pickles", op), at: at)
            }
        }
    }

    private func popMarkBelowTop(_ stack: inout [PickleValue], _ marks: inout [Int], _ at: Int) throws(FineTuneError) -> [PickleValue] {
        let top = stack.removeLast()
        guard let m = marks.popLast(), m <= stack.count else { throw fail("DICT needs a MARK", at: at) }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        stack.append(top)
        return items
    }
}
