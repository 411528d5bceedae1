// Each model's own way of saying "this distance is not to be trusted".

import TFmini
import Testing

@Suite struct ModelReadingTests {
    func frame(_ distance: UInt16, _ strength: UInt16) -> TFminiFrame {
        TFminiFrame(distance: distance, strength: strength, celsius: 35)
    }

    @Test func tfminiSCodesWeakSignalSignalSaturationAndAmbientSaturationInTheDistance() {
        #expect(TFminiModel.tfminiS.reading(of: frame(0xFFFF, 40)) == .noReturn)
        #expect(TFminiModel.tfminiS.reading(of: frame(0xFFFE, 65535)) == .saturated(.signal))
        #expect(TFminiModel.tfminiS.reading(of: frame(0xFFFC, 900)) == .saturated(.ambientLight))
        #expect(TFminiModel.tfminiS.reading(of: frame(250, 900)) == .distance(millimetres: 2500))
        // A weak signal with a plain distance is still not a distance.
        #expect(TFminiModel.tfminiS.reading(of: frame(250, 99)) == .noReturn)
    }

    @Test func tfminiPlusSaysZeroAndTellsSaturationByTheStrength() {
        #expect(TFminiModel.tfminiPlus.reading(of: frame(0, 12)) == .noReturn)
        #expect(TFminiModel.tfminiPlus.reading(of: frame(0, 65535)) == .saturated(.signal))
        #expect(TFminiModel.tfminiPlus.reading(of: frame(312, 1500)) == .distance(millimetres: 3120))
        // 0xFFFF is a distance for the Plus (the -S's code means nothing to it), if strength allows.
        #expect(TFminiModel.tfminiPlus.reading(of: frame(0xFFFF, 1500)) == .distance(millimetres: 655_350))
    }

    @Test func tfLunaKeepsTheDistanceButTheAmplitudeDecides() {
        #expect(TFminiModel.tfLuna.reading(of: frame(180, 99)) == .noReturn)
        #expect(TFminiModel.tfLuna.reading(of: frame(180, 65535)) == .saturated(.signal))
        #expect(TFminiModel.tfLuna.reading(of: frame(180, 100)) == .distance(millimetres: 1800))
    }

    @Test func temperatureIsRawOverEightMinus256() {
        #expect(TFminiFrame(distance: 0, strength: 0, temperatureRaw: 2048).celsius == 0)
        #expect(TFminiFrame(distance: 0, strength: 0, temperatureRaw: 2047).celsius == -0.125)
        #expect(TFminiFrame(distance: 0, strength: 0, celsius: -12.5).temperatureRaw == 1948)
    }
}
