// swift-tools-version: 6.1
// The M-ICE plugin host, daemons, operator tool and shipped plugins.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let dequeModule: Target.Dependency = .product(name: "DequeModule", package: "swift-collections")

let package = Package(
    name: "mice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "micectl", targets: ["micectl"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // MARK: - Libraries (dependencies flow downwards in this list)
        .target(name: "MICECore", swiftSettings: swiftSettings),
        .target(name: "MICEWire", dependencies: ["MICECore"], swiftSettings: swiftSettings),
        .target(name: "MICEPluginManifest", dependencies: ["MICECore"], swiftSettings: swiftSettings),

        // MARK: - Executables
        .executableTarget(
            name: "micectl",
            dependencies: ["MICECore", "MICEWire", "MICEPluginManifest", argumentParser],
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests
        .testTarget(name: "MICEWireTests", dependencies: ["MICEWire"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MICEPluginManifestTests",
            dependencies: ["MICEPluginManifest", "MICECore"],
            swiftSettings: swiftSettings
        ),
        // Runs the built micectl binary; `swift test` builds it first along with every other product.
        .testTarget(name: "MicectlTests", swiftSettings: swiftSettings),
    ]
)
