public enum Symbolization {}
