package io.github.broadcast.spring;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** An application with nothing but the starter, Tomcat and Actuator on its class path. */
@SpringBootApplication
class TestApplication {}
