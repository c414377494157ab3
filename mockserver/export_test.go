package mockserver

// Route is the embedded spec's route of p's token operation, for the tests'
// own validation of requests and answers with openapi3filter.
var Route = route
