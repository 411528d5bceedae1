import ArgumentParser
import Foundation
import Yams

/// Changes one value of a sensor's entry in the configuration file in place: only that value's text
/// changes; comments and the rest of the layout stay as the technician wrote them. The file is replaced
/// at once (rename), so passantd never reads half of it.
enum ConfigEdit {
    /// Sets `sensors[name: sensor].key` to `value` (YAML flow text). A key written in flow style on
    /// one line is replaced; a missing key is added after the sensor's `name:`.
    static func set(_ key: String, to value: String, sensor name: String, in path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read \(path)")
        }
        guard case .mapping(let root)? = try Yams.compose(yaml: text), case .sequence(let sensors)? = root["sensors"],
            case .mapping(let sensor)? = sensors.first(where: { $0.mapping?["name"]?.string == name }),
            let nameNode = sensor["name"], let nameMark = nameNode.mark
        else {
            throw ValidationError("cannot find sensors[name: \(name)] in \(path); set \(key): \(value) by hand")
        }
        var lines = text.components(separatedBy: "\n")
        if let old = sensor[key] {
            guard let mark = old.mark, let end = flowEnd(of: Array(lines[mark.line - 1]), from: mark.column - 1)
            else {
                throw ValidationError(
                    "\(key) of \(name) in \(path) spans several lines; write it as \(key): \(value) by hand")
            }
            var line = Array(lines[mark.line - 1])
            line.replaceSubrange((mark.column - 1)..<end, with: Array(value))
            lines[mark.line - 1] = String(line)
        } else {
            // Indent like the sensor's `name:` key, on the line after it.
            let keyColumn = keyColumn(ofNameIn: lines[nameMark.line - 1])
            lines.insert(String(repeating: " ", count: keyColumn) + "\(key): \(value)", at: nameMark.line)
        }
        let temporary = path + ".passant-edit"
        try lines.joined(separator: "\n").write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, path) == 0 else {
            throw ValidationError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The column after a flow value starting at `start`: a scalar up to a comment or the line's end,
    /// or a bracketed sequence up to its closing bracket. nil when it does not close on this line.
    private static func flowEnd(of line: [Character], from start: Int) -> Int? {
        guard start < line.count else { return nil }
        guard line[start] == "[" || line[start] == "{" else {
            var end = line.count
            if let hash = line[start...].firstIndex(of: "#") { end = hash }
            while end > start, line[end - 1] == " " { end -= 1 }
            return end
        }
        var depth = 0
        for index in start..<line.count {
            switch line[index] {
            case "[", "{": depth += 1
            case "]", "}":
                depth -= 1
                if depth == 0 { return index + 1 }
            default: break
            }
        }
        return nil
    }

    /// Where the keys of a sensor entry start, from its `name:` line (`  - name: x` → 4).
    private static func keyColumn(ofNameIn line: String) -> Int {
        guard let range = line.range(of: "name:") else { return 4 }
        return line.distance(from: line.startIndex, to: range.lowerBound)
    }
}
