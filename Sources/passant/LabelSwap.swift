import ArgumentParser
import Foundation
import Yams

/// Swaps a sensor's two direction labels in the configuration file in place: only the two values
/// change, every comment and the rest of the layout stay as the technician wrote them.
enum LabelSwap {
    static func apply(sensor name: String, in path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read \(path)")
        }
        guard case .mapping(let root)? = try Yams.compose(yaml: text),
            case .sequence(let sensors)? = root["sensors"],
            case .mapping(let sensor)? = sensors.first(where: { $0.mapping?["name"]?.string == name }),
            case .mapping(let labels)? = sensor["labels"],
            let aToB = labels["a_to_b"], let bToA = labels["b_to_a"],
            let first = aToB.mark, let second = bToA.mark,
            let aText = aToB.string, let bText = bToA.string
        else {
            throw ValidationError(
                "cannot find sensors[name: \(name)].labels with a_to_b and b_to_a in \(path); swap them by hand")
        }
        var lines = text.components(separatedBy: "\n")
        // Replace the later one first, so that a change on the same line does not move the earlier.
        let spans = [(first, aText, bText), (second, bText, aText)].sorted {
            ($0.0.line, $0.0.column) > ($1.0.line, $1.0.column)
        }
        for (mark, old, new) in spans {
            let index = mark.line - 1
            var line = Array(lines[index])
            let start = mark.column - 1
            let oldCharacters = Array(old)
            guard start + oldCharacters.count <= line.count, Array(line[start..<(start + oldCharacters.count)]) == oldCharacters
            else {
                throw ValidationError("the labels of \(name) in \(path) are quoted or folded; swap them by hand")
            }
            line.replaceSubrange(start..<(start + oldCharacters.count), with: Array(new))
            lines[index] = String(line)
        }
        let swapped = lines.joined(separator: "\n")
        let temporary = path + ".passant-swap"
        try swapped.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, path) == 0 else {
            throw ValidationError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }
}
