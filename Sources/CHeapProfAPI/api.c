/* Header-only target; this file exists so that SwiftPM builds the module. */
