public enum HeapReports {}
