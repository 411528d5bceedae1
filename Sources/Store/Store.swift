// The store: GRDB over SQLite, holding CountBins and their delivery state. See Store.swift.
