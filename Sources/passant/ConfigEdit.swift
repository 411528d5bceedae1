import ArgumentParser
import Foundation
import Yams

/// Changes values of a sensor's entry in the configuration file in place: only those values' text
/// changes; comments and the rest of the layout stay as the technician wrote them. The file is replaced
/// at once (rename), so passantd never reads half of it.
enum ConfigEdit {
    /// Sets `sensors[name: sensor].<key path>` to `value` (YAML flow text). A plain scalar, or a flow
    /// sequence or mapping on one line, is replaced; a missing top-level key of the sensor is added
    /// after its `name:`.
    static func set(_ keyPath: [String], to value: String, sensor name: String, in path: String) throws {
        let (text, sensor) = try read(sensor: name, in: path)
        let dotted = keyPath.joined(separator: ".")
        var lines = text.components(separatedBy: "\n")
        if let old = node(at: keyPath, in: sensor) {
            guard let mark = old.mark,
                let end = end(of: old, in: Array(lines[mark.line - 1]), from: mark.column - 1)
            else {
                throw ValidationError(
                    "\(dotted) of \(name) in \(path) is quoted or spans several lines; set it to \(value) by hand"
                )
            }
            var line = Array(lines[mark.line - 1])
            line.replaceSubrange((mark.column - 1)..<end, with: Array(value))
            lines[mark.line - 1] = String(line)
        } else if keyPath.count == 1, let nameMark = sensor["name"]?.mark {
            // Indent like the sensor's `name:` key, on the line after it.
            let nameLine = lines[nameMark.line - 1]
            let column =
                nameLine.range(of: "name:").map {
                    nameLine.distance(from: nameLine.startIndex, to: $0.lowerBound)
                } ?? 4
            lines.insert(String(repeating: " ", count: column) + "\(keyPath[0]): \(value)", at: nameMark.line)
        } else {
            throw ValidationError("\(name) in \(path) has no \(dotted); add \(dotted): \(value) by hand")
        }
        try replace(path, with: lines.joined(separator: "\n"))
    }

    /// Swaps a sensor's two direction labels (`passant walk-test --swap-labels`).
    static func swapLabels(sensor name: String, in path: String) throws {
        let (_, sensor) = try read(sensor: name, in: path)
        guard let aToB = node(at: ["labels", "a_to_b"], in: sensor)?.string,
            let bToA = node(at: ["labels", "b_to_a"], in: sensor)?.string
        else {
            throw ValidationError(
                "cannot find labels with a_to_b and b_to_a for \(name) in \(path); swap them by hand")
        }
        try set(["labels", "a_to_b"], to: bToA, sensor: name, in: path)
        try set(["labels", "b_to_a"], to: aToB, sensor: name, in: path)
    }

    private static func read(sensor name: String, in path: String) throws -> (String, Yams.Node.Mapping) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read \(path)")
        }
        guard case .mapping(let root)? = try Yams.compose(yaml: text),
            case .sequence(let sensors)? = root["sensors"],
            case .mapping(let sensor)? = sensors.first(where: { $0.mapping?["name"]?.string == name })
        else {
            throw ValidationError("cannot find the sensor '\(name)' under sensors: in \(path)")
        }
        return (text, sensor)
    }

    private static func node(at keyPath: [String], in mapping: Yams.Node.Mapping) -> Yams.Node? {
        guard let first = keyPath.first, let node = mapping[first] else { return nil }
        if keyPath.count == 1 { return node }
        guard case .mapping(let inner) = node else { return nil }
        return self.node(at: Array(keyPath.dropFirst()), in: inner)
    }

    /// The column after `node`'s text starting at `start`: a plain scalar's own text, or a bracketed
    /// flow collection up to its closing bracket. nil when quoted or not closed on this line.
    private static func end(of node: Yams.Node, in line: [Character], from start: Int) -> Int? {
        guard start < line.count else { return nil }
        if case .scalar(let scalar) = node {
            let text = Array(scalar.string)
            guard start + text.count <= line.count, Array(line[start..<(start + text.count)]) == text else {
                return nil
            }
            return start + text.count
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

    private static func replace(_ path: String, with text: String) throws {
        let temporary = path + ".passant-edit"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, path) == 0 else {
            throw ValidationError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }
}
