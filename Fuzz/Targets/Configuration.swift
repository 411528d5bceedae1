// libFuzzer target: the configuration parser (YAML text → Configuration, or errors naming file and line).
//
// Invariants: no crash or hang on any text; a refusal carries at least one error, each naming the file,
// a line inside the text (or none) and a message; parsing is deterministic.
import PassantConfig

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfiguration(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lines = yamlLineCount(text)
    let first: Result<Configuration, ConfigurationErrors>
    do {
        first = .success(try Configuration.parse(text, file: "fuzz.yaml", defaultNode: "gw"))
    } catch {
        invariant(!error.errors.isEmpty, "refused without an error")
        for problem in error.errors {
            invariant(problem.file == "fuzz.yaml", "error names file \(problem.file)")
            invariant(!problem.message.isEmpty, "error without a message: \(problem)")
            if let line = problem.line { invariant((1...lines + 1).contains(line), "line \(line) of \(lines)") }
        }
        first = .failure(error)
    }
    let second = Result { () throws(ConfigurationErrors) in
        try Configuration.parse(text, file: "fuzz.yaml", defaultNode: "gw")
    }
    switch (first, second) {
    case (.success(let a), .success(let b)): invariant(a == b, "two parses differ")
    case (.failure(let a), .failure(let b)): invariant(a.errors == b.errors, "two refusals differ")
    default: invariant(false, "one parse accepted, the other refused")
    }
    return 0
}

/// Lines as YAML (libyaml) counts them: a line ends at CR LF, CR, LF, NEL, LS or PS. (Counting LF only
/// was this target's first bug: an old-Mac file, CR only, has its errors on lines beyond the LF count.)
private func yamlLineCount(_ text: String) -> Int {
    var lines = 1
    var previousWasCR = false
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\r": lines += 1
        case "\n": if !previousWasCR { lines += 1 }
        case "\u{85}", "\u{2028}", "\u{2029}": lines += 1
        default: break
        }
        previousWasCR = scalar == "\r"
    }
    return lines
}
