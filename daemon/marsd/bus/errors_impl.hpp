#pragma once

#include <stdexcept>
#include <system_error>

#include "cluster/cluster_state.hpp"
#include "resource/resource_state.hpp"

namespace mars::marsd::bus_errors {

template <typename Body> int translate_errors(sd_bus_error* error, Body&& body)
{
    try {
        return body();
    } catch (const NotFound& e) {
        return sd_bus_error_set(error, kNotFound, e.what());
    } catch (const std::invalid_argument& e) {
        return sd_bus_error_set(error, kInvalidArgument, e.what());
    } catch (const cluster::ClusterError& e) {
        return sd_bus_error_set(error, kAlreadyInCluster, e.what());
    } catch (const resource::ResourceError& e) {
        return sd_bus_error_set(error, kRefused, e.what());
    } catch (const std::system_error& e) {
        if (e.code().value() == EBUSY && e.code().category() == std::generic_category())
            return sd_bus_error_set(error, kBusy, e.what());
        return sd_bus_error_set(error, kFailed, e.what());
    } catch (const std::exception& e) {
        return sd_bus_error_set(error, kFailed, e.what());
    }
}

} // namespace mars::marsd::bus_errors
